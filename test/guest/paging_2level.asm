; 2-level 4 KiB paging: translation, accessed/dirty bits, a not-present
; write fault's error code and CR2, INVLPG after a remap.
%include "paging_common.inc"
PD equ 0x10000
PT equ 0x11000
main:
	mov dword [0x300000], 0x11223344
	; Identity-map the first MiB, 0x200000 -> 0x300000, 0x201000 absent.
	mov edi, PD
	xor eax, eax
	mov ecx, 2048
	rep stosd
	mov dword [PD], PT | 3
	xor ecx, ecx
.id:	mov eax, ecx
	shl eax, 12
	or eax, 3
	mov [PT+ecx*4], eax
	inc ecx
	cmp ecx, 256
	jb .id
	mov dword [PT+0x200*4], 0x300000 | 3
	mov eax, PD
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax

	mov eax, [0x200000]
	EXPECT 0x11223344, 1
	mov eax, [PT+0x200*4]
	and eax, 0x60
	EXPECT 0x20, 2             ; accessed, not dirty
	mov dword [0x200004], 5
	mov eax, [PT+0x200*4]
	and eax, 0x60
	EXPECT 0x60, 3             ; accessed and dirty
	mov eax, [PD]
	and eax, 0x60
	EXPECT 0x20, 4             ; directory: accessed only
	mov dword [PF_TARGET], BASE+.pf1
	mov dword [0x201008], 1
	mov al, 5
	jmp fail
.pf1:	EXPECT 2, 6                ; supervisor write, not present
	mov eax, ebx
	EXPECT 0x201008, 7
	mov dword [PF_TARGET], BASE+unexpected
	mov dword [PT+0x201*4], 0x300000 | 3
	invlpg [0x201000]
	mov eax, [0x201000]
	EXPECT 0x11223344, 8
	jmp pass
%include "paging_tail.inc"
