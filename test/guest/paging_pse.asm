; PSE 4 MiB pages: an alias of the first 4 MiB at 8 MiB, accessed/dirty bits
; in the PDE, and a reserved-bit fault (bit 21) with its error code.
%include "paging_common.inc"
PD equ 0x10000
main:
	mov dword [0x300000], 0xfeedf00d
	mov edi, PD
	xor eax, eax
	mov ecx, 1024
	rep stosd
	mov dword [PD+0*4], 0x000000 | 0x83
	mov dword [PD+2*4], 0x000000 | 0x83
	mov dword [PD+3*4], 0x400000 | 0x83 | (1 << 21)
	mov eax, cr4
	or eax, 0x10               ; CR4.PSE
	mov cr4, eax
	mov eax, PD
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax

	mov eax, [0x800000+0x300000]
	EXPECT 0xfeedf00d, 1
	mov eax, [PD+2*4]
	and eax, 0x60
	EXPECT 0x20, 2
	mov dword [0x800000+0x300004], 0x12345678
	mov eax, [0x300004]
	EXPECT 0x12345678, 3
	mov eax, [PD+2*4]
	and eax, 0x60
	EXPECT 0x60, 4
	mov dword [PF_TARGET], BASE+.pf1
	mov eax, [0xC00010]
	mov al, 5
	jmp fail
.pf1:	EXPECT 9, 6                ; RSVD | P, supervisor read
	mov eax, ebx
	EXPECT 0xC00010, 7
	jmp pass
%include "paging_tail.inc"
