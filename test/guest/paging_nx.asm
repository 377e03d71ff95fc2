; PAE + EFER.NXE: reading an NX page works, fetching from it faults with
; I/D set (error code 0x11) and CR2 = the target; clearing NX + INVLPG lets
; the call through.
%include "paging_common.inc"
PDPT equ 0x20000
PD   equ 0x21000
PT   equ 0x22000
main:
	mov byte [0x100000], 0xC3  ; ret
	mov edi, PDPT
	xor eax, eax
	mov ecx, 3 * 1024
	rep stosd
	mov dword [PDPT], PD | 1
	mov dword [PD], PT | 3
	xor ecx, ecx
.id:	mov eax, ecx
	shl eax, 12
	or eax, 3
	mov [PT+ecx*8], eax
	inc ecx
	cmp ecx, 257
	jb .id
	mov dword [PT+0x100*8+4], 0x80000000   ; NX on 0x100000
	mov ecx, 0xC0000080
	rdmsr
	or eax, 0x800              ; EFER.NXE
	wrmsr
	mov eax, cr4
	or eax, 0x20
	mov cr4, eax
	mov eax, PDPT
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax

	movzx eax, byte [0x100000]
	EXPECT 0xC3, 1
	mov dword [PF_TARGET], BASE+.pf1
	mov esp, 0x80000
	mov eax, 0x100000
	call eax
	mov al, 2
	jmp fail
.pf1:	EXPECT 0x11, 3             ; I/D | P, supervisor
	mov eax, ebx
	EXPECT 0x100000, 4
	mov esp, 0x80000
	mov dword [PF_TARGET], BASE+unexpected
	mov dword [PT+0x100*8+4], 0
	invlpg [0x100000]
	mov eax, 0x100000
	call eax
	jmp pass
%include "paging_tail.inc"
