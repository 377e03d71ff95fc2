; PAE paging: 4 KiB and 2 MiB pages, accessed/dirty bits in 64-bit entries,
; a reserved-bit fault in a 2 MiB PDE (bit 13).
%include "paging_common.inc"
PDPT equ 0x20000
PD   equ 0x21000
PT   equ 0x22000
main:
	mov dword [0x400010], 0xa5a5a5a5
	mov dword [0x300000], 0x5a5a5a5a
	mov edi, PDPT
	xor eax, eax
	mov ecx, 3 * 1024
	rep stosd
	mov dword [PDPT], PD | 1
	mov dword [PD+0*8], PT | 3
	mov dword [PD+1*8], 0x400000 | 0x83
	mov dword [PD+2*8], 0x600000 | 0x83 | (1 << 13)
	xor ecx, ecx
.id:	mov eax, ecx
	shl eax, 12
	or eax, 3
	mov [PT+ecx*8], eax
	inc ecx
	cmp ecx, 256
	jb .id
	mov dword [PT+0x1ff*8], 0x300000 | 3
	mov eax, cr4
	or eax, 0x20               ; CR4.PAE
	mov cr4, eax
	mov eax, PDPT
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax

	mov eax, [0x200010]
	EXPECT 0xa5a5a5a5, 1
	mov eax, [PD+1*8]
	and eax, 0x60
	EXPECT 0x20, 2
	mov dword [0x200020], 1
	mov eax, [PD+1*8]
	and eax, 0x60
	EXPECT 0x60, 3
	mov eax, [0x1ff000]
	EXPECT 0x5a5a5a5a, 4
	mov eax, [PT+0x1ff*8]
	and eax, 0x60
	EXPECT 0x20, 5
	mov dword [0x1ff004], 7
	mov eax, [PT+0x1ff*8]
	and eax, 0x60
	EXPECT 0x60, 6
	mov eax, [PD+0*8]
	and eax, 0x60
	EXPECT 0x20, 7
	mov dword [PF_TARGET], BASE+.pf1
	mov dword [0x400000], 1
	mov al, 8
	jmp fail
.pf1:	EXPECT 0xb, 9              ; RSVD | W | P
	mov eax, ebx
	EXPECT 0x400000, 10
	jmp pass
%include "paging_tail.inc"
